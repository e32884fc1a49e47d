export { extendHash, HashedNgrams, type HashedNgramsOptions } from './hashed-ngrams.ts';
export { TextClassifier, type TextClassifierOptions } from './text-classifier.ts';
export { OnlineTfIdf, type OnlineTfIdfJSON, type OnlineTfIdfOptions } from './tfidf.ts';
export { tokenize } from './tokenizer.ts';

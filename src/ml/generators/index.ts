export { AgrawalGenerator, type AgrawalOptions } from './agrawal.ts';
export { HyperplaneGenerator, type HyperplaneOptions } from './hyperplane.ts';
export { RandomRbfGenerator, type RandomRbfOptions } from './random-rbf.ts';
export { SeaGenerator, type SeaOptions } from './sea.ts';
export { type Example, StreamGenerator } from './stream-generator.ts';

export {
  type SentimentAnalyzer,
  type SentimentLabel,
  type SentimentScore,
  type VaderScore,
  VaderSentiment,
  type VaderSentimentOptions,
} from './sentiment-analyzer.ts';

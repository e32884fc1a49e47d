export {
  type ErrorCode,
  ErrorCodes,
  isStreamsightError,
  StreamsightError,
  type StreamsightErrorOptions,
} from './errors.ts';

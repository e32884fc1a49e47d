/**
 * The `Log` on Apache Kafka. Load it only when configured (dynamic import), so the embedded default
 * never pulls in the Kafka client.
 *
 * @example
 * const { openKafkaLog } = await import('./log/kafka/index.ts');
 * const log = await openKafkaLog({ brokers: 'kafka://127.0.0.1:9092' });
 */

export type { BrokerAddress, RetryEvent } from './kafka-client.ts';
export { changelogTopic, KafkaLog, openKafkaLog, transactionalIdFor } from './kafka-log.ts';
export { type KafkaLogOptions, parseKafkaBrokers } from './options.ts';

/** Response shapes of the HTTP API (docs/api.md). Page definitions come from the app API itself. */

export type {
  CategoryWidget,
  ConfusionWidget,
  PageDefinition,
  TableWidget,
  TilesWidget,
  TimeSeriesWidget,
  ValueFormat,
  Widget,
  WorldMapWidget,
} from '../../../src/dataflow/page.ts';

import type { PageDefinition } from '../../../src/dataflow/page.ts';

export type Row = Record<string, unknown>;

export interface Column {
  name: string;
  type: 'text' | 'double' | 'bigint' | 'boolean' | 'json';
}

export interface AppInfo {
  name: string;
  topics: string[];
  views: string[];
  pages: PageDefinition[];
}

export interface TopicInfo {
  app: string;
  name: string;
  partitions: number;
  endOffsets: number[];
  records: number;
  ratePerSec: number;
}

export interface TopicRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: unknown;
  value: unknown;
  headers?: Record<string, string>;
}

export interface OperatorMetrics {
  id: string;
  kind: string;
  recordsIn: number;
  recordsOut: number;
}

export interface TaskInfo {
  stage: number | string;
  partition: number;
  recordsIn: number;
  recordsOut: number;
  lag: number;
  watermark: number | null;
  watermarkDelayMs: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  operators: OperatorMetrics[];
}

export interface GraphNode {
  id: string;
  kind: string;
  label: string;
}

export interface PipelineInfo {
  app: string;
  name: string;
  status: 'running' | 'stopped' | 'failed';
  tasks: TaskInfo[];
  graph: { nodes: GraphNode[]; edges: { from: string; to: string }[] };
}

export interface Overview {
  /** App names (a count in early servers). */
  apps: string[] | number;
  eventsInPerSec: number;
  eventsOutPerSec: number;
  lag: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  watermarkDelayMs: number | null;
  deadLetters: number;
  uptimeSec: number;
}

export interface DeadLetter {
  app: string;
  partition: number;
  offset: number;
  timestamp: number;
  code: string;
  message: string;
  origin: { topic: string; partition: number; offset: number };
  raw: string;
}

export interface ViewInfo {
  app: string;
  name: string;
  table: string;
  columns: Column[];
  rows: number;
}

export interface ViewPage {
  columns: Column[];
  rows: Row[];
  total: number;
}

export interface SqlResult {
  columns: Column[];
  rows: Row[];
  truncated: boolean;
}

/** Entry point of a worker thread: run the assigned tasks of one app (see workers.ts). */

import { parentPort, workerData } from 'node:worker_threads';
import { openEmbeddedLog } from '../log/index.ts';
import { runApp } from './runtime.ts';
import { loadApp, taskId, type WorkerData, type WorkerMessage } from './workers.ts';

const data = workerData as WorkerData;
const port = parentPort!;
const post = (m: WorkerMessage) => port.postMessage(m);

try {
  const app = await loadApp(data.appModule, data.exportName);
  for (const [name, view] of app.views) {
    // This thread only forwards changes; the coordinating thread's views (and stores) hold the rows.
    view.retainRows(false);
    view.onChange((changes) => post({ type: 'view', view: name, records: changes.map((c) => c.record) }));
  }
  const log = await openEmbeddedLog({ path: data.logPath });
  const mine = new Set(data.tasks);
  const running = await runApp(app, {
    log,
    bounded: data.bounded,
    checkpointIntervalMs: data.checkpointIntervalMs,
    skipTopicCreation: true,
    taskFilter: (pipeline, stage, partition) => mine.has(taskId(pipeline, stage, partition)),
  });
  const timer = setInterval(() => post({ type: 'metrics', metrics: running.metrics() }), 1000);
  port.on('message', (m: { type: string }) => {
    if (m.type === 'stop') void running.stop();
  });
  try {
    await running.done;
  } finally {
    clearInterval(timer);
    post({ type: 'metrics', metrics: running.metrics() });
    await log.close();
  }
  post({ type: 'done' });
  port.close();
} catch (err) {
  post({
    type: 'error',
    message: err instanceof Error ? err.message : String(err),
    code: (err as { code?: string }).code,
  });
  port.close();
}

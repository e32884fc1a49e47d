export { Adwin, type AdwinOptions } from './adwin.ts';
export { CusumMonitor, type CusumMonitorOptions } from './cusum-monitor.ts';
export { Ddm, type DdmOptions } from './ddm.ts';
export type { DriftDetector, DriftSignal } from './drift-detector.ts';
export { PageHinkley, type PageHinkleyOptions } from './page-hinkley.ts';
export { ThresholdMonitor, type ThresholdMonitorOptions } from './threshold-monitor.ts';

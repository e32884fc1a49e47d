import { BarChart, MapChart, PieChart, ScatterChart } from 'echarts/charts';
import { GeoComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([
  PieChart,
  MapChart,
  ScatterChart,
  BarChart,
  GeoComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

export { echarts };

/**
 * An ECharts instance bound to a div: created once, resized with its box, and given each new
 * option with `setOption` (merging, so ECharts animates from the old values to the new).
 */
export function EChart(props: { option: echarts.EChartsCoreOption; height?: number; testId?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const c = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(props.option, { lazyUpdate: true });
  }, [props.option]);

  return (
    <div
      ref={box}
      className="echart-box"
      style={{ height: props.height ?? 240 }}
      data-testid={props.testId}
    />
  );
}

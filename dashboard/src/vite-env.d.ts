/// <reference types="vite/client" />

declare module 'virtual:world-geojson' {
  const world: import('geojson').FeatureCollection<
    import('geojson').Geometry,
    { iso2: string; name: string }
  >;
  export default world;
}

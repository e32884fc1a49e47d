/** Series colours, in order; chosen to stay apart on the dark background. */
export const PALETTE = [
  '#5794f2',
  '#73bf69',
  '#ff9830',
  '#b877d9',
  '#f2cc0c',
  '#8ab8ff',
  '#f2495c',
  '#37c6c0',
  '#fade2a',
  '#ca95e5',
];

export const AXIS = '#8e96a3';
export const GRID = 'rgba(255,255,255,0.06)';

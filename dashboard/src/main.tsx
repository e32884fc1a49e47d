import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { adoptKeyFromUrl } from './api/auth.ts';
import { App } from './app.tsx';
import './styles.css';

adoptKeyFromUrl();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

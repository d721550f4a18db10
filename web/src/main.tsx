import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { start } from './auth';
import './index.css';

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from index.html');

createRoot(root).render(
  <StrictMode>
    <FluentProvider theme={webLightTheme} style={{ minHeight: '100%' }}>
      <App />
    </FluentProvider>
  </StrictMode>,
);

// once per page load, outside React (StrictMode runs effects twice; an authorization code is single-use)
void start();

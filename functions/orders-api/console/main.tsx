/** The console's entry: its style sheet and the app, mounted on the page's `#app`. */
import './console.css';
import { render } from 'preact';
import { App } from './app.js';

const root = document.getElementById('app');
if (root) render(<App />, root);

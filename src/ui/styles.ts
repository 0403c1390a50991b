// Styles shared by the notebook's elements: cards, stage sections, buttons, tables, notices.

import { css } from 'lit';

export const shared = css`
  :host { display: block; }
  .card { background: white; border: 1px solid #ddd; border-radius: 8px; padding: 16px; margin-bottom: 16px; }
  .stage { background: white; border: 1px solid #ddd; border-radius: 8px; padding: 16px 20px; margin-bottom: 20px; }
  .stage:focus-visible { outline: 2px solid #1a73e8; outline-offset: 2px; }
  .stage > h2 { font-size: 1.25rem; margin: 0 0 4px; }
  .stage > h2 .n { color: #888; font-weight: normal; margin-right: 6px; }
  .lead { color: #555; margin: 0 0 12px; }
  h3 { font-size: 1rem; margin: 16px 0 8px; }
  .hint { color: #666; font-size: 0.9em; }
  .warn { border: 1px solid #e0a800; background: #fff8e1; border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
  .err { color: #b00020; white-space: pre-wrap; border: 1px solid #f1b5bd; background: #fdecee; border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
  .ok { color: #137333; }
  .bad { color: #b00020; }
  button { font: inherit; padding: 4px 12px; border: 1px solid #bbb; border-radius: 6px; background: #f6f6f6; cursor: pointer; }
  button:hover:not(:disabled) { background: #eee; }
  button:disabled { opacity: 0.5; cursor: default; }
  button.primary { background: #1a73e8; border-color: #1a73e8; color: white; }
  button.primary:hover:not(:disabled) { background: #1765cc; }
  table { border-collapse: collapse; }
  td, th { padding: 3px 12px 3px 0; text-align: left; vertical-align: top; font-variant-numeric: tabular-nums; }
  th { font-weight: 600; color: #444; border-bottom: 1px solid #ddd; }
  input[type='number'], input[type='text'], input[type='search'], select { font: inherit; padding: 2px 6px; border: 1px solid #bbb; border-radius: 4px; }
  .row { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
  .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
`;

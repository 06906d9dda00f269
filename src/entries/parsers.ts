/**
 * `procward/parsers`: the framing procward uses on child output, for hosts that read other
 * streams the same way — line splitting with a bounded pending line, JSON Lines, terminal text.
 * (Why entries live in src/entries/: see agents.ts.)
 */
export { LineSplitter, type SplitterOptions } from '../parsers/line-splitter.js';
export { stripAnsi } from '../parsers/strip-ansi.js';
export { terminalLine, TerminalLine, MAX_CONTROL_STRING } from '../parsers/terminal-line.js';
export { JsonLinesParser, parseJsonLines, type JsonLinesOptions, type JsonLinesEvents, type JsonLinesItem, type JsonValue, type InvalidLine, type OverflowLine } from '../parsers/jsonl-parser.js';

/** A CSV cell's text, trimmed, that reads as a number (then Number() reads it). */
export const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

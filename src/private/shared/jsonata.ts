/**
 * A JSONata expression written over several lines, as one line: Step Functions' schema, as
 * asl-validator reads it, takes a JSONata string without line breaks.
 */
export function oneLine(expression: string): string {
  return expression.replace(/\s*\n\s*/g, ' ');
}

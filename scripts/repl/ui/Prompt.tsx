import { Box, Text } from 'ink';
import type { LineState } from '../line-editor.ts';

export const PROMPT = '(sevlab) ';

/** `(sevlab) ` and the line being typed, the cursor shown inverse. */
export function Prompt({ line, width, busy }: { line: LineState; width: number; busy: boolean }) {
  const { text, cursor } = line;
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-start">
        <Text color={busy ? 'yellow' : 'green'}>{PROMPT}</Text>
        {text.slice(0, cursor)}
        <Text inverse>{text[cursor] ?? ' '}</Text>
        {text.slice(cursor + 1)}
      </Text>
    </Box>
  );
}

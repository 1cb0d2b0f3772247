import { Box, Text } from 'ink';
import { type ConsoleRow, type ConsoleState, consoleView } from '../view/console.ts';

const TONE: Record<ConsoleRow['tone'], { color?: string; dimColor?: boolean }> = {
  plain: {},
  error: { color: 'red' },
  marker: { dimColor: true },
};

/** Commands and their output, newest at the bottom, long lines wrapped; PgUp/PgDn scroll. */
export function Console({ state, width, height }: { state: ConsoleState; width: number; height: number }) {
  const rows = consoleView(state, height, width);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {rows.map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional
        <Text key={i} wrap="truncate-end" {...TONE[row.tone]}>
          {row.text === '' ? ' ' : row.text}
        </Text>
      ))}
    </Box>
  );
}

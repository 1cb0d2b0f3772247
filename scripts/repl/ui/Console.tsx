import { Box, Text } from 'ink';
import { type ConsoleState, consoleView } from '../view/console.ts';

/** Commands and their output, newest at the bottom; PgUp/PgDn scroll. */
export function Console({ state, width, height }: { state: ConsoleState; width: number; height: number }) {
  const lines = consoleView(state, height);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {lines.map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines are positional
        <Text key={i} wrap="truncate-end" {...(line.startsWith('error: ') ? { color: 'red' } : {})}>
          {line === '' ? ' ' : line}
        </Text>
      ))}
    </Box>
  );
}

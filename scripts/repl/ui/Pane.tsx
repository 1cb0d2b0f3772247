import { Box, Text } from 'ink';

export interface PaneProps {
  title: string;
  width: number;
  height: number;
  lines: readonly string[];
  /** Index into `lines` shown highlighted (the selected vCPU). */
  highlight?: number;
}

/** A titled block of text lines, cropped to its size: every pane of the REPL is one. */
export function Pane({ title, width, height, lines, highlight }: PaneProps) {
  const body = lines.slice(0, Math.max(0, height - 1));
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden" paddingRight={1}>
      <Text bold color="cyan" wrap="truncate-end">
        {title}
      </Text>
      {body.map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines are positional
        <Text key={i} wrap="truncate-end" inverse={i === highlight}>
          {line === '' ? ' ' : line}
        </Text>
      ))}
    </Box>
  );
}

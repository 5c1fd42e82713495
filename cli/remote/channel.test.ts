import { describe, expect, it } from 'vitest';
import {
  errorStatus,
  exitStatus,
  frame as serverFrame,
  parseFrame as serverParseFrame,
} from '../../node-agent/server/channel.js';
import {
  PROTOCOL_V5,
  STREAM_CLOSE,
  STREAM_STDIN,
  STREAM_STDOUT,
  closeFrame,
  decodeFrame,
  encodeFrame,
  outcomeOfStatus,
} from './channel.js';

describe('channel framing', () => {
  it('prefixes each message with its stream byte, binary-safe', () => {
    const data = Buffer.from([0, 255, 10, 13, 0x80]);
    const f = encodeFrame(STREAM_STDIN, data);
    expect([...f]).toEqual([0, 0, 255, 10, 13, 0x80]);
    expect(encodeFrame(2, 'hé')).toEqual(Buffer.from([2, 0x68, 0xc3, 0xa9]));
    expect(encodeFrame(1)).toEqual(Buffer.from([1]));
  });

  it('decodes what the node agent sends, and ignores empty messages', () => {
    expect(decodeFrame(serverFrame(STREAM_STDOUT, 'out\n'))).toEqual({
      stream: 1,
      data: Buffer.from('out\n'),
    });
    expect(decodeFrame(Buffer.alloc(0))).toBeUndefined();
    expect(decodeFrame(Buffer.from([3]))).toEqual({ stream: 3, data: Buffer.alloc(0) });
  });

  it("writes frames the agent's parser reads: stdin, and v5's close of stdin", () => {
    expect(serverParseFrame(encodeFrame(STREAM_STDIN, 'abc'), PROTOCOL_V5)).toEqual({
      kind: 'stdin',
      data: Buffer.from('abc'),
    });
    expect([...closeFrame(STREAM_STDIN)]).toEqual([STREAM_CLOSE, 0]);
    expect(serverParseFrame(closeFrame(STREAM_STDIN), PROTOCOL_V5)).toEqual({
      kind: 'close',
      stream: 0,
    });
  });
});

describe('outcomeOfStatus (client-go v4 error decoder)', () => {
  it('reads the Status the agent sends when a command ends', () => {
    expect(outcomeOfStatus(JSON.stringify(exitStatus(0, ['true'])))).toEqual({
      kind: 'exited',
      code: 0,
    });
    expect(outcomeOfStatus(JSON.stringify(exitStatus(3, ['sh', '-c', 'exit 3'])))).toEqual({
      kind: 'exited',
      code: 3,
    });
    expect(outcomeOfStatus(JSON.stringify(exitStatus(255, ['nosuch'])))).toEqual({
      kind: 'exited',
      code: 255,
    });
    expect(outcomeOfStatus(JSON.stringify(errorStatus('container not found')))).toEqual({
      kind: 'failed',
      message: 'container not found',
    });
  });

  it('reports protocol errors for broken statuses, as client-go words them', () => {
    const nonZero = (causes: unknown): string =>
      JSON.stringify({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes } });
    expect(outcomeOfStatus(nonZero([]))).toEqual({
      kind: 'failed',
      message: 'error stream protocol error: no ExitCode cause given',
    });
    expect(outcomeOfStatus(nonZero([{ reason: 'ExitCode', message: 'x' }]))).toEqual({
      kind: 'failed',
      message: 'error stream protocol error: invalid exit code value "x"',
    });
    expect(outcomeOfStatus(nonZero([{ reason: 'ExitCode', message: '256' }]))).toMatchObject({
      kind: 'failed',
    });
    expect(outcomeOfStatus('{"status":"Weird"}')).toEqual({
      kind: 'failed',
      message: 'error stream protocol error: unknown error',
    });
    expect(outcomeOfStatus('not json')).toMatchObject({ kind: 'failed' });
    expect(outcomeOfStatus('null')).toMatchObject({ kind: 'failed' });
  });
});

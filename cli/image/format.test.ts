import { describe, expect, it } from 'vitest';
import { createdAgo, humanDuration, humanSize } from './format.js';

describe('docker-style formatting', () => {
  it('writes sizes in decimal units with three significant digits', () => {
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(12)).toBe('12B');
    expect(humanSize(225_300)).toBe('225kB');
    expect(humanSize(4_261_000)).toBe('4.26MB');
    expect(humanSize(1_000_000)).toBe('1MB');
    expect(humanSize(1_234_567_890)).toBe('1.23GB');
  });

  it('writes ages as go-units HumanDuration', () => {
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(1000)).toBe('1 second');
    expect(humanDuration(45_000)).toBe('45 seconds');
    expect(humanDuration(90_000)).toBe('About a minute');
    expect(humanDuration(5 * 60_000)).toBe('5 minutes');
    expect(humanDuration(80 * 60_000)).toBe('About an hour');
    expect(humanDuration(5 * 3_600_000)).toBe('5 hours');
    expect(humanDuration(3 * 86_400_000)).toBe('3 days');
    expect(humanDuration(20 * 86_400_000)).toBe('2 weeks');
    expect(humanDuration(90 * 86_400_000)).toBe('3 months');
    expect(humanDuration(800 * 86_400_000)).toBe('2 years');
    const now = Date.parse('2024-01-01T03:00:00Z');
    expect(createdAgo('2024-01-01T00:00:00Z', now)).toBe('3 hours ago');
    expect(createdAgo(undefined, now)).toBe('N/A');
  });
});

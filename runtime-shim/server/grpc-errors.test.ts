import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  DeadlineExceededError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
} from '../errors.js';
import { ImageArchiveError, InvalidImageRefError } from '../images/index.js';
import { CniConfigError, InvalidNetworkRequestError } from '../network/index.js';
import { grpcStatusOf, statusName, toServiceError } from './grpc-errors.js';

describe('grpcStatusOf', () => {
  it.each([
    [new NotFoundError('x'), status.NOT_FOUND],
    [new InvalidArgumentError('x'), status.INVALID_ARGUMENT],
    [new InvalidNetworkRequestError('f', 'x'), status.INVALID_ARGUMENT],
    [new ImageArchiveError('NotAnArchive', 'x'), status.INVALID_ARGUMENT],
    [new InvalidImageRefError('UP', 'x'), status.INVALID_ARGUMENT],
    [new FailedPreconditionError('x'), status.FAILED_PRECONDITION],
    [new CniConfigError('no config'), status.FAILED_PRECONDITION],
    [new AlreadyExistsError('x'), status.ALREADY_EXISTS],
    [new DeadlineExceededError('x'), status.DEADLINE_EXCEEDED],
    [new Error('x'), status.INTERNAL],
    ['a string', status.INTERNAL],
  ])('%s → %s', (e, code) => {
    expect(grpcStatusOf(e)).toBe(code);
  });

  it('keeps the message for the caller', () => {
    expect(toServiceError(new NotFoundError('container abc not found'))).toMatchObject({
      code: status.NOT_FOUND,
      details: 'container abc not found',
    });
    expect(statusName(status.NOT_FOUND)).toBe('NOT_FOUND');
  });
});

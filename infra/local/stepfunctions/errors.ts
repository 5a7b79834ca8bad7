/**
 * Errors of the Step Functions API, as the service names them. The server writes each as
 * `{"__type": type, "message": …}` with its HTTP status; `@aws-sdk/client-sfn` turns that into the
 * exception class of the same name (`ExecutionAlreadyExists`, `TaskTimedOut`, …).
 */

export type SfnErrorType =
  | 'ExecutionAlreadyExists'
  | 'ExecutionDoesNotExist'
  | 'InvalidArn'
  | 'InvalidExecutionInput'
  | 'InvalidName'
  | 'InvalidOutput'
  | 'InvalidToken'
  | 'StateMachineDoesNotExist'
  | 'TaskDoesNotExist'
  | 'TaskTimedOut'
  | 'ValidationException'
  | 'UnknownOperationException'
  | 'SerializationException'
  | 'InternalFailure';

export class SfnApiError extends Error {
  override readonly name = 'SfnApiError' as const;
  readonly type: SfnErrorType;
  readonly statusCode: number;

  constructor(type: SfnErrorType, message: string, statusCode = 400) {
    super(message);
    this.type = type;
    this.statusCode = statusCode;
  }
}

/**
 * One Lambda function of number-orders, built the same way for every handler: `NodejsFunction`
 * bundled by the esbuild in node_modules (never Docker), Node.js 22 on arm64, ESM, X-Ray, its own
 * log group with a retention, and its own role that starts with nothing but writing to that log
 * group — each grant is added by the construct that hands the function a resource (STYLE.md #5).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { explain } from './nag.js';
import { FUNCTION_MEMORY_MB } from './function-memory.js';

/** The repository root: NodejsFunction's project root, where package-lock.json and the handlers are. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The runtime the design pins (docs/design.md: Lambda runs Node.js 22). */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_22_X;

/**
 * NodejsFunction falls back to building a Docker image when it cannot find esbuild, even with
 * `forceDockerBundling: false`. Synth must stay offline and Docker-free: fail early instead.
 */
function assertLocalEsbuild(): void {
  try {
    createRequire(import.meta.url).resolve('esbuild');
  } catch {
    throw new Error('esbuild is not installed: run `npm ci` (the CDK app bundles every Lambda with the local esbuild, never with Docker)');
  }
}

export interface NodeFunctionProps {
  /** The handler module, relative to the repository root, e.g. `functions/rent/handler.ts`. */
  entry: string;
  description: string;
  timeout: Duration;
  /** @default FUNCTION_MEMORY_MB (512) */
  memorySize?: number;
  environment?: Record<string, string>;
  /** @default none (the account's unreserved pool) */
  reservedConcurrentExecutions?: number;
  logRetention: logs.RetentionDays;
  /** esbuild `define`s for the bundle: identifiers replaced by JSON values. @default none */
  define?: Record<string, string>;
}

export class NodeFunction extends Construct {
  /** The handler module, relative to the repository root (`props.entry`). */
  readonly entry: string;
  readonly handler: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    assertLocalEsbuild();
    this.entry = props.entry;
    const entry = join(REPO_ROOT, props.entry);
    if (!existsSync(entry)) throw new Error(`${id}: handler module ${props.entry} does not exist`);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      // Leaked numbers and failed orders are investigated from these logs after the fact.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // No AWSLambdaBasicExecutionRole: its logs:* on every log group is more than one function needs.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `number-orders ${id}: ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.handler = new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? FUNCTION_MEMORY_MB,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      ...(props.reservedConcurrentExecutions === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        // Some bundled dependencies are CommonJS and `require` Node built-ins.
        banner: "import { createRequire as __nodeCreateRequire } from 'node:module'; const require = __nodeCreateRequire(import.meta.url);",
        minify: true,
        // Error classes keep their names through minifying: the state machine's Retry/Catch match them.
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
        // The SDK version the tests ran against, not whichever the runtime ships this month.
        bundleAwsSDK: true,
        logLevel: LogLevel.WARNING,
        ...(props.define ? { define: props.define } : {}),
      },
    });

    explain(
      this.role,
      'AwsSolutions-IAM5[Resource::*]',
      'Active X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions, so Resource "*" is the only form (test/infra asserts that nothing else in this role uses "*").',
    );
    explain(
      this.handler,
      'AwsSolutions-L1',
      'Node.js 22 is the runtime the design pins (docs/design.md) and the one the handlers are tested for; moving to a newer runtime is a deliberate change of LAMBDA_RUNTIME, not a side effect of upgrading aws-cdk-lib.',
    );
  }
}

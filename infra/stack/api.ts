/**
 * The orders HTTP API: API Gateway REST (v1) — the proxy events the handler expects, with
 * `requestContext.identity.apiKeyId` as the caller — in front of the orders-api Lambda.
 *
 * - A method for every route of `ordersApiRoutes` (the handler's own router stays the one that
 *   validates); the API key is required on all but the routes marked public (`/health`,
 *   `/openapi.json`).
 * - `POST /webhooks/plivo` (every route of `plivoWebhooksApiRoutes`), without API key — Plivo
 *   cannot send one; its handler checks Plivo's signature — on its own Lambda.
 * - One API key and a usage plan (per-key throttling), stage throttling, access logs as JSON,
 *   execution logs for errors, X-Ray.
 * - A WAF web ACL on the stage (every route): bodies declared larger than the API accepts (256 KiB),
 *   a per-address rate limit, AWS's common and known-bad-input rules, logged; see api-firewall.ts.
 * - Gateway errors (missing key, throttled, no such route) in the handler's `{"error": "…"}` shape.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LIMITS } from '../../functions/lib/orders/model.js';
import { ordersApiRoutes } from '../../functions/orders-api/api.js';
import { plivoWebhooksApiRoutes } from '../../functions/webhooks-api/api.js';
import { ApiFirewall } from './api-firewall.js';
import { plivoEnvironment } from './functions.js';
import { connectOrderWorkflow, grantExecutionHistory, grantTaskResponse } from './grants.js';
import { consoleDefine } from '../console/bundle.js';
import { explain } from './nag.js';
import { NodeFunction } from './node-function.js';
import type { Secrets } from './secrets.js';
import type { OrderStateMachine } from './state-machine.js';
import type { OrdersTable } from './table.js';
import { FUNCTION_MEMORY_MB } from './function-memory.js';

export interface ThrottleSettings {
  /** Steady requests per second. */
  rateLimit: number;
  /** Burst of requests above the steady rate. */
  burstLimit: number;
}

export interface OrdersApiProps {
  table: OrdersTable;
  secrets: Secrets;
  /** The order workflow: executions start through its alias. */
  stateMachine: OrderStateMachine;
  plivoBaseUrl: string;
  plivoRateLimit: string;
  plivoBackgroundShare: string;
  /** The API stage's name. */
  stage: string;
  logLevel: string;
  logRetention: logs.RetentionDays;
  /** Every caller together. @default 50 per second, bursts of 100 */
  stageThrottle?: ThrottleSettings;
  /** Each API key. @default 25 per second, bursts of 50 */
  keyThrottle?: ThrottleSettings;
  /** The scheduled rebalance's window (background.ts), so that a run on demand shares its idempotency key. @default 3600 */
  rebalanceWindowSeconds?: number;
}

export const DEFAULT_STAGE_THROTTLE: ThrottleSettings = { rateLimit: 50, burstLimit: 100 };
export const DEFAULT_KEY_THROTTLE: ThrottleSettings = { rateLimit: 25, burstLimit: 50 };

export class OrdersApi extends Construct {
  readonly handler: NodeFunction;
  readonly plivoWebhooksHandler: NodeFunction;
  /** The public URL of `POST /webhooks/plivo`: what Plivo calls and signs. */
  readonly plivoCallbackUrl: string;
  readonly api: apigateway.RestApi;
  readonly apiKey: apigateway.IApiKey;
  readonly usagePlan: apigateway.UsagePlan;
  readonly accessLogs: logs.LogGroup;
  /** The WAF web ACL on the stage (api-firewall.ts): every route, POST /webhooks/plivo included. */
  readonly firewall: ApiFirewall;

  constructor(scope: Construct, id: string, props: OrdersApiProps) {
    super(scope, id);
    this.handler = new NodeFunction(this, 'Handler', {
      entry: 'functions/orders-api/handler.ts',
      description: 'number-orders HTTP API (orders, their numbers, timelines and webhooks; cancel, resolve; pool policies and rebalances; the console)',
      // The console's browser code, built now and compiled into this bundle (functions/orders-api/console-assets.ts).
      define: consoleDefine(),
      // DynamoDB, one StartExecution, a few Plivo calls to resolve a line; API Gateway gives up at 29 s.
      // That limit also bounds GET /pools/{uuid} and POST /pools/{uuid}/rebalance, which count the
      // pool at Plivo (and order or release) synchronously: a pool too large for that is left to
      // the scheduled run (background.ts, 15 minutes).
      timeout: Duration.seconds(25),
      memorySize: FUNCTION_MEMORY_MB,
      logRetention: props.logRetention,
      environment: {
        // Resolving a regulatory line with numbers and the pool routes call Plivo (within the shared budget).
        ...plivoEnvironment(props),
        POWERTOOLS_SERVICE_NAME: 'orders-api',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        REBALANCE_WINDOW_SECONDS: String(props.rebalanceWindowSeconds ?? 3600),
      },
    });
    // Deletes: an order's UNSTARTED marker once its execution runs; a rebalance's pool lock and
    // ended orders' markers (POST /pools/{uuid}/rebalance).
    props.table.connect(this.handler.handler, { deletes: true });
    // Orders: POST /orders, and the order a rebalance places.
    connectOrderWorkflow(this.handler, props.stateMachine);
    grantExecutionHistory(this.handler, props.stateMachine.stateMachine);
    props.secrets.connectPlivoCredentials(this.handler.handler);
    // Retrying a customer webhook delivery signs it.
    props.secrets.connectWebhookSecret(this.handler.handler);
    // Resolving or rejecting a waiting line ends its task-token wait.
    grantTaskResponse(this.handler);

    this.plivoWebhooksHandler = new NodeFunction(this, 'PlivoWebhooks', {
      entry: 'functions/webhooks-api/handler.ts',
      description: 'number-orders POST /webhooks/plivo: Plivo callbacks, signature checked',
      timeout: Duration.seconds(10),
      memorySize: 256,
      logRetention: props.logRetention,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'webhooks-api',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
      },
    });
    props.table.connect(this.plivoWebhooksHandler.handler);
    // Plivo signs callbacks with the account's auth token.
    props.secrets.connectPlivoCredentials(this.plivoWebhooksHandler.handler);

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.RETAIN });
    const stageThrottle = props.stageThrottle ?? DEFAULT_STAGE_THROTTLE;
    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: `number-orders-${props.stage}`,
      description: 'number-orders: rent Plivo numbers in bulk into Powerpack number pools',
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      apiKeySourceType: apigateway.ApiKeySourceType.HEADER,
      // Access and execution logs need API Gateway's account-level CloudWatch role; kept when the
      // stack is deleted, because other APIs of the account and region rely on the same setting.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stage,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        // Request and response bodies stay out of the logs.
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: stageThrottle.rateLimit,
        throttlingBurstLimit: stageThrottle.burstLimit,
      },
    });

    const orders = new apigateway.LambdaIntegration(this.handler.handler, { proxy: true, allowTestInvoke: false });
    for (const route of ordersApiRoutes) this.addRoute(route.method, route.path, orders, { apiKeyRequired: !route.public });
    const plivoWebhooks = new apigateway.LambdaIntegration(this.plivoWebhooksHandler.handler, { proxy: true, allowTestInvoke: false });
    for (const route of plivoWebhooksApiRoutes) this.addRoute(route.method, route.path, plivoWebhooks, { apiKeyRequired: false });
    // The URL Plivo calls and signs. Built from the API's id and the stage's name, not the stage
    // resource: the stage's deployment depends on this function's method (no cycle).
    const stack = Stack.of(this);
    this.plivoCallbackUrl = `https://${this.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${props.stage}/webhooks/plivo`;
    this.plivoWebhooksHandler.handler.addEnvironment('PLIVO_CALLBACK_URL', this.plivoCallbackUrl);
    this.addGatewayResponses();

    this.apiKey = this.api.addApiKey('ApiKey', { description: `number-orders ${props.stage}: the first client's key (add more to the usage plan)` });
    const keyThrottle = props.keyThrottle ?? DEFAULT_KEY_THROTTLE;
    this.usagePlan = this.api.addUsagePlan('UsagePlan', {
      name: `number-orders-${props.stage}`,
      description: 'Per-key throttling of the orders API',
      throttle: { rateLimit: keyThrottle.rateLimit, burstLimit: keyThrottle.burstLimit },
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    this.usagePlan.addApiKey(this.apiKey);

    this.firewall = new ApiFirewall(this, 'Firewall', {
      stageArn: this.api.deploymentStage.stageArn,
      maxBodyBytes: LIMITS.maxBodyBytes,
      metricPrefix: Stack.of(this).stackName,
      logRetention: props.logRetention,
    });

    explain(
      this.api,
      'AwsSolutions-APIG2',
      'Requests are validated in the Lambda by the zod schemas that also generate GET /openapi.json (one source, 422 naming the field); a second copy as API Gateway models would drift from it.',
    );
    explain(
      this.api,
      'AwsSolutions-APIG4',
      'Callers are backends identified by API keys with a usage plan (the key id scopes idempotency keys); /health and /openapi.json are public on purpose, and POST /webhooks/plivo is authenticated by Plivo\'s signature (checked by its handler). An IAM, Cognito or Lambda authorizer can be added per method without changing the handlers.',
    );
    explain(
      this.api,
      'AwsSolutions-COG4',
      'No Cognito user pool: the clients are machines with API keys, not users (see APIG4).',
    );
    explain(
      this.api,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      "API Gateway's account-level CloudWatch role, needed for the access and execution logs (APIG1, APIG6); AWS's managed policy is the documented one for that role and is scoped to log writing.",
    );
  }

  /** Adds `method path` to the API, integrated with `integration` (a proxy to a Lambda). */
  addRoute(method: string, path: string, integration: apigateway.Integration, options: { apiKeyRequired: boolean }): apigateway.Method {
    return this.api.root.resourceForPath(path).addMethod(method, integration, { apiKeyRequired: options.apiKeyRequired });
  }

  /** Errors API Gateway answers itself, in the handler's `{"error": "…"}` shape. */
  private addGatewayResponses(): void {
    const json = (body: string) => ({ 'application/json': body });
    this.api.addGatewayResponse('Default4xx', {
      type: apigateway.ResponseType.DEFAULT_4XX,
      templates: json('{"error":$context.error.messageString}'),
    });
    this.api.addGatewayResponse('Default5xx', {
      type: apigateway.ResponseType.DEFAULT_5XX,
      templates: json('{"error":"internal error"}'),
    });
    // An unknown path (or a method a path does not have) is "Missing Authentication Token" (403) by default.
    this.api.addGatewayResponse('NoRoute', {
      type: apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN,
      statusCode: '404',
      templates: json('{"error":"no route for this method and path"}'),
    });
    this.api.addGatewayResponse('ApiKeyRequired', {
      type: apigateway.ResponseType.INVALID_API_KEY,
      templates: json('{"error":"API key in the x-api-key header is missing or not valid"}'),
    });
  }

  /** Stack outputs: the API's URL and its key's id (the value: `aws apigateway get-api-key … --include-value`). */
  addOutputs(scope: Construct): void {
    new CfnOutput(scope, 'ApiUrl', { value: this.api.url, description: 'Base URL of the orders API (stage included)' });
    new CfnOutput(scope, 'ApiKeyId', { value: this.apiKey.keyId, description: 'Id of the API key; its value: aws apigateway get-api-key --api-key <id> --include-value --query value --output text' });
  }
}

/** Access log lines as JSON: who (key id, source IP), what, how it ended, how long it took. */
function accessLogFormat(): apigateway.AccessLogFormat {
  const f = apigateway.AccessLogField;
  return apigateway.AccessLogFormat.custom(
    JSON.stringify({
      requestId: f.contextRequestId(),
      requestTime: f.contextRequestTime(),
      sourceIp: f.contextIdentitySourceIp(),
      apiKeyId: f.contextIdentityApiKeyId(),
      method: f.contextHttpMethod(),
      resourcePath: f.contextResourcePath(),
      path: f.contextPath(),
      status: f.contextStatus(),
      responseLength: f.contextResponseLength(),
      responseLatencyMs: f.contextResponseLatency(),
      integrationLatencyMs: f.contextIntegrationLatency(),
      integrationStatus: f.contextIntegrationStatus(),
      wafStatus: f.contextWafResponseCode(),
      error: f.contextErrorMessage(),
      errorType: f.contextErrorResponseType(),
      xrayTraceId: f.contextXrayTraceId(),
    }),
  );
}

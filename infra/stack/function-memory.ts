/**
 * Memory of the number-orders Lambdas, in MB: the workflow steps, the reconciler, the webhook
 * dispatcher, the rebalancer and the orders API run with it (the Plivo-callback API with less). A
 * module of its own so that the benchmark prices GB-seconds with the deployed value without
 * loading the CDK.
 */
export const FUNCTION_MEMORY_MB = 512;

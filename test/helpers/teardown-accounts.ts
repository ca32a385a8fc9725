/** moto's account for credentials it did not issue: the default credentials' account in the tests. */
export const BUILD_ACCOUNT = '123456789012';
/** An account the tests reach through an assumed role. */
export const WORKLOAD_ACCOUNT = '222222222222';
/** Where the teardown tests' recipe builds. */
export const BUILD = { account: BUILD_ACCOUNT, region: 'eu-west-1' };
/** Where the teardown tests' environment runs, and the recipe copies its AMIs to. */
export const WORKLOAD = { account: WORKLOAD_ACCOUNT, region: 'us-east-1' };

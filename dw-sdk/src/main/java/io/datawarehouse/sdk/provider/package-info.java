/**
 * The provider pattern: a backend that needs an external service degrades instead of failing, and
 * loses nothing acknowledged. Start with {@link io.datawarehouse.sdk.provider.ResilientBackend};
 * connectors implement {@link io.datawarehouse.sdk.provider.BackendFactory} and are found by
 * {@link io.datawarehouse.sdk.provider.Backends}; the standard configuration keys are {@link
 * io.datawarehouse.sdk.provider.ResilienceOptions#configDef()}.
 */
package io.datawarehouse.sdk.provider;

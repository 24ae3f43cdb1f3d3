/**
 * Sagas over the bus: start with {@link io.datawarehouse.streaming.saga.SagaOrchestrator} and
 * {@link io.datawarehouse.streaming.saga.SagaDefinition}; participants use {@link
 * io.datawarehouse.streaming.saga.SagaParticipant} to deduplicate by idempotency key.
 */
package io.datawarehouse.streaming.saga;

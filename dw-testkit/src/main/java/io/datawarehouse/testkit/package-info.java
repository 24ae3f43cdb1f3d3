/**
 * Test support shared by every module: {@link io.datawarehouse.testkit.ManualTime}, service checks
 * for integration tests ({@link io.datawarehouse.testkit.RequiresServices}), and contract suites
 * every implementation of an SPI must pass ({@code bus.MessageBusContractTest}).
 */
package io.datawarehouse.testkit;

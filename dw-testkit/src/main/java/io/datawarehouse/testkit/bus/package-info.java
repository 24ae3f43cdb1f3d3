/** The bus contract suite: extend {@link io.datawarehouse.testkit.bus.MessageBusContractTest}. */
package io.datawarehouse.testkit.bus;

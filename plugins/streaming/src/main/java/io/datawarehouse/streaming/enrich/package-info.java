/**
 * Enrichment of a stream by asynchronous lookups: start with {@link
 * io.datawarehouse.streaming.enrich.Enrichment}; lookups over the bus come from {@link
 * io.datawarehouse.streaming.enrich.BusLookups}.
 */
package io.datawarehouse.streaming.enrich;

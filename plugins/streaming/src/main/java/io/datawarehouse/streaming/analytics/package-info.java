/**
 * Stream analytics over the bus: start with {@link io.datawarehouse.streaming.analytics.StreamAnalytics}.
 */
package io.datawarehouse.streaming.analytics;

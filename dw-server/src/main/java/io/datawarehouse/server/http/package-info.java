/** The HTTP API: {@link io.datawarehouse.server.http.HttpApi}. */
package io.datawarehouse.server.http;

/**
 * JDBC data sources for {@code storage.query}, pooled by HikariCP. Start with {@link
 * io.datawarehouse.connector.jdbc.JdbcQuerySource}; drivers are found by JDBC's own {@code
 * DriverManager} from the URL, so no driver class is named anywhere.
 */
package io.datawarehouse.connector.jdbc;

package io.datawarehouse.connector.jdbc;

import io.datawarehouse.testkit.RequiresServices;

/** Against the MariaDB on 127.0.0.1:3306 (root, empty password, database test). */
@RequiresServices("mariadb")
class MariaDbQuerySourceIT extends JdbcQuerySourceContractTest {
  @Override
  protected String url() {
    return System.getProperty("dw.test.mariadb.url", "jdbc:mariadb://127.0.0.1:3306/test");
  }

  @Override
  protected String user() {
    return System.getProperty("dw.test.mariadb.user", "root");
  }

  @Override
  protected String sleepSql(int seconds) {
    return "SELECT SLEEP(" + seconds + ") AS slept";
  }

  @Override
  protected String createTable() {
    return "CREATE TABLE %s (id BIGINT PRIMARY KEY, name VARCHAR(100), price DECIMAL(10,2), active BOOLEAN, born DATE, "
        + "blob_col BLOB)";
  }
}

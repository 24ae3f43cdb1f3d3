package io.datawarehouse.kernel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.datawarehouse.sdk.DwException;
import io.datawarehouse.sdk.ErrorCode;
import io.datawarehouse.sdk.config.Config;
import io.datawarehouse.sdk.config.ConfigDef;
import io.datawarehouse.sdk.config.Validators;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path tmp;

  static final ConfigDef SOURCE = ConfigDef.builder()
      .string("url", null, "jdbc url")
      .string("user", null, "user")
      .password("password", "password")
      .integer("poolSize", 4, Validators.range(1, 100), "pool")
      .build();

  static final ConfigDef STORAGE = ConfigDef.builder()
      .string("store", "local", "default store")
      .size("chunkSize", "1MiB", Validators.powerOfTwo(), "chunk")
      .duration("timeout", "30s", "timeout")
      .bool("requireReal", false, "no fallback")
      .list("tags", List.of(), "tags")
      .string("secretKey", null, "a secret by its name")
      .string("endpoint", null, "an endpoint URL")
      .map("sources", SOURCE, "data sources")
      .section("cache", ConfigDef.builder().integer("maxEntries", 100, Validators.positive(), "entries").build(), "cache")
      .build();

  static final ConfigDef ROOT = ConfigDef.builder()
      .string("dataDir", "./dw-data", "data")
      .section("storage", STORAGE, "storage")
      .build();

  private Path yaml(String text) throws Exception {
    Path f = tmp.resolve("dw.yaml");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void load_noFile_givesEmbeddedDefaults() {
    Config c = ConfigLoader.load(ROOT, null, Map.of(), Map.of()).config();
    assertThat(c.getString("dataDir")).isEqualTo("./dw-data");
    Config s = c.getSection("storage");
    assertThat(s.getString("store")).isEqualTo("local");
    assertThat(s.getSize("chunkSize")).isEqualTo(1L << 20);
    assertThat(s.getDuration("timeout")).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.getSection("cache").getInt("maxEntries")).isEqualTo(100);
    assertThat(s.getMap("sources")).isEmpty();
    assertThat(s.isSet("store")).isFalse();
  }

  @Test
  void load_precedence_defaultThenFileThenEnvThenOverride() throws Exception {
    Path f = yaml("""
        dataDir: /from/file
        storage:
          store: s3
          timeout: 5s
          cache:
            maxEntries: 7
        """);
    Map<String, String> env = Map.of(
        "DW_STORAGE_STORE", "azure",
        "DW_STORAGE_CACHE_MAX_ENTRIES", "9",
        "DW_DATA_DIR", "/ignored-reserved");
    ConfigLoader.Loaded l = ConfigLoader.load(ROOT, f, env, Map.of("dataDir", "/from/override"));
    Config c = l.config();
    assertThat(c.getString("dataDir")).isEqualTo("/from/override");
    assertThat(c.getSection("storage").getString("store")).isEqualTo("azure");
    assertThat(c.getSection("storage").getDuration("timeout")).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.getSection("storage").getSection("cache").getInt("maxEntries")).isEqualTo(9);
    assertThat(c.getSection("storage").getSize("chunkSize")).isEqualTo(1L << 20);
    assertThat(l.origins()).containsEntry("storage.store", "env DW_STORAGE_STORE")
        .containsEntry("storage.timeout", "file " + f).containsEntry("dataDir", "override");
  }

  @Test
  void env_camelCaseKeys_acceptWordsOrRunTogether_andMapEntries() {
    Map<String, String> env = Map.of(
        "DW_STORAGE_REQUIRE_REAL", "true",
        "DW_STORAGE_CHUNKSIZE", "64KiB",
        "DW_STORAGE_TAGS", "a, b,c",
        "DW_STORAGE_SOURCES_PG_URL", "jdbc:postgresql://127.0.0.1/test",
        "DW_STORAGE_SOURCES_PG_POOL_SIZE", "8");
    Config s = ConfigLoader.load(ROOT, null, env, Map.of()).config().getSection("storage");
    assertThat(s.getBoolean("requireReal")).isTrue();
    assertThat(s.getSize("chunkSize")).isEqualTo(64L * 1024);
    assertThat(s.getList("tags")).containsExactly("a", "b", "c");
    assertThat(s.getMap("sources").get("pg").getString("url")).isEqualTo("jdbc:postgresql://127.0.0.1/test");
    assertThat(s.getMap("sources").get("pg").getInt("poolSize")).isEqualTo(8);
    assertThat(ConfigLoader.envName("storage.cache.maxEntries")).isEqualTo("DW_STORAGE_CACHE_MAX_ENTRIES");
  }

  @Test
  void env_mapEntryFromFile_isMatchedCaseInsensitively() throws Exception {
    Path f = yaml("storage:\n  sources:\n    pgMain:\n      url: jdbc:x\n");
    Config s = ConfigLoader.load(ROOT, f, Map.of("DW_STORAGE_SOURCES_PGMAIN_USER", "bob"), Map.of()).config().getSection("storage");
    assertThat(s.getMap("sources")).containsOnlyKeys("pgMain");
    assertThat(s.getMap("sources").get("pgMain").getString("user")).isEqualTo("bob");
  }

  @Test
  void env_unknownVariable_isAWarningNamingIt() {
    ConfigLoader.Loaded l = ConfigLoader.load(ROOT, null, Map.of("DW_STORAGE_STOER", "x", "HOME", "/root"), Map.of());
    assertThat(l.warnings()).singleElement().asString().contains("DW_STORAGE_STOER");
  }

  @Test
  void env_launcherVariables_areNoWarning() {
    ConfigLoader.Loaded l = ConfigLoader.load(ROOT, null, Map.of("DW_CDS", "0", "DW_NO_BUILD", "1", "DW_JAVA_OPTS", "-Xmx1g"),
        Map.of());
    assertThat(l.warnings()).isEmpty();
  }

  @Test
  void load_unknownKey_namesItAndSuggests() throws Exception {
    Path f = yaml("storage:\n  stroe: s3\n");
    assertThatThrownBy(() -> ConfigLoader.load(ROOT, f, Map.of(), Map.of()))
        .isInstanceOfSatisfying(DwException.class, e -> {
          assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains("unknown key 'storage.stroe'").contains("did you mean 'storage.store'");
        });
  }

  @Test
  void load_wrongTypes_listEveryProblemWithKeyAndValue() throws Exception {
    Path f = yaml("""
        storage:
          chunkSize: 3000
          timeout: 10
          requireReal: perhaps
          cache:
            maxEntries: lots
          sources:
            pg:
              poolSize: 500
        """);
    assertThatThrownBy(() -> ConfigLoader.load(ROOT, f, Map.of(), Map.of()))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.getMessage())
            .contains("5 problems")
            .contains("'storage.chunkSize' must be a power of two, was 3000")
            .contains("'storage.timeout' must be a duration").contains("add a unit")
            .contains("'storage.requireReal' must be true or false, found 'perhaps'")
            .contains("'storage.cache.maxEntries' must be an integer, found 'lots'")
            .contains("'storage.sources.pg.poolSize' must be between 1 and 100, was 500"));
  }

  @Test
  void load_sectionGivenAsScalar_isAClearError() throws Exception {
    Path f = yaml("storage: yes\n");
    assertThatThrownBy(() -> ConfigLoader.load(ROOT, f, Map.of(), Map.of()))
        .hasMessageContaining("'storage' must be a mapping");
  }

  @Test
  void load_invalidYaml_namesTheLine() throws Exception {
    Path f = yaml("storage:\n  store: [unclosed\n");
    assertThatThrownBy(() -> ConfigLoader.load(ROOT, f, Map.of(), Map.of()))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.getMessage()).contains("not valid YAML").contains("line"));
  }

  @Test
  void load_missingFile_isNotFound() {
    assertThatThrownBy(() -> ConfigLoader.load(ROOT, tmp.resolve("nope.yaml"), Map.of(), Map.of()))
        .isInstanceOfSatisfying(DwException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
  }

  @Test
  void masking_hidesPasswordsSecretNamesAndUrlPasswords() throws Exception {
    Path f = yaml("""
        storage:
          secretKey: s3cr3t-value
          endpoint: https://admin:hunter2@minio.local:9000/bucket
          sources:
            pg:
              url: jdbc:postgresql://127.0.0.1/test?user=app&password=pa55word
              user: app
              password: topsecret
        """);
    Config c = ConfigLoader.load(ROOT, f, Map.of(), Map.of()).config();
    String shown = c.toMaskedJson().toString() + c.toString();
    assertThat(shown).doesNotContain("s3cr3t-value", "hunter2", "pa55word", "topsecret");
    JsonNode j = c.toMaskedJson();
    assertThat(j.at("/storage/secretKey").asText()).isEqualTo("****");
    assertThat(j.at("/storage/endpoint").asText()).isEqualTo("https://admin:****@minio.local:9000/bucket");
    assertThat(j.at("/storage/sources/pg/password").asText()).isEqualTo("****");
    assertThat(j.at("/storage/sources/pg/user").asText()).isEqualTo("app");
    assertThat(c.getSection("storage").getMap("sources").get("pg").getPassword("password").reveal()).isEqualTo("topsecret");
    assertThat(String.valueOf(c.getSection("storage").getMap("sources").get("pg").getPassword("password"))).isEqualTo("****");
  }

  @Test
  void wrongTypeOfSecret_doesNotEchoTheValue() throws Exception {
    Path f = yaml("storage:\n  sources:\n    pg:\n      password: [a, b]\n");
    assertThatThrownBy(() -> ConfigLoader.load(ROOT, f, Map.of(), Map.of()))
        .hasMessageContaining("'storage.sources.pg.password' must be a string");
  }
}

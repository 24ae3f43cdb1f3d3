/** JSON through Jackson, configured once for the whole project: start with {@link io.datawarehouse.sdk.json.Json}. */
package io.datawarehouse.sdk.json;

/** Implementation of schema extraction; not for use by other modules. */
package io.datawarehouse.intelligence.schema.internal;

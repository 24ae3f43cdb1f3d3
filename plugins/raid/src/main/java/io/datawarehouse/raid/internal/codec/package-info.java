/** The implementation of {@link io.datawarehouse.raid.codec.ErasureCodec}: {@link io.datawarehouse.raid.internal.codec.MatrixCodec}. */
package io.datawarehouse.raid.internal.codec;

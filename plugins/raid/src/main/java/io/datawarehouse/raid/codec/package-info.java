/**
 * Erasure codes over GF(2^8): start with {@link io.datawarehouse.raid.codec.ErasureCodec} and its
 * factories for Reed-Solomon k+m, RAID6 P+Q and RAID5 XOR.
 */
package io.datawarehouse.raid.codec;

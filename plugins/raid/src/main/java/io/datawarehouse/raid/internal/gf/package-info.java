/**
 * GF(2^8) arithmetic and the bulk kernels the codecs run on. Start with {@link
 * io.datawarehouse.raid.internal.gf.Gf256} (field and matrices), then {@link
 * io.datawarehouse.raid.internal.gf.GfKernel} and {@link io.datawarehouse.raid.internal.gf.GfKernels}
 * (which kernel this JVM uses). The Vector API kernel is in {@code src/main/vector}.
 */
package io.datawarehouse.raid.internal.gf;

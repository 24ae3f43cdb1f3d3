/** Kernel internals; not for use outside dw-kernel. */
package io.datawarehouse.kernel.internal;

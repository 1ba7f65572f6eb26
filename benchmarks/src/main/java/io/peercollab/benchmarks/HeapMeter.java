// SPDX-License-Identifier: Apache-2.0
package io.peercollab.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Retained heap, as the heap used after full collections: what survives is what something holds. Several
 * collections with pauses between them, because references cleared by one collection (finalizers, soft and weak
 * references, Netty's cleaners) free memory only in the next.
 */
public final class HeapMeter {

	private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

	private HeapMeter() {
	}

	/** @return the bytes of heap in use after collecting until the figure settles */
	public static long retainedHeap() {
		long previous = Long.MAX_VALUE;
		long used = usedAfterGc();
		for (int i = 0; i < 8 && Math.abs(previous - used) > 16 * 1024; i++) {
			sleep(100);
			previous = used;
			used = usedAfterGc();
		}
		return used;
	}

	private static long usedAfterGc() {
		System.gc();
		System.runFinalization();
		System.gc();
		return MEMORY.getHeapMemoryUsage().getUsed();
	}

	/** Sleeps; set-up code only, never measured code. */
	public static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(e);
		}
	}
}

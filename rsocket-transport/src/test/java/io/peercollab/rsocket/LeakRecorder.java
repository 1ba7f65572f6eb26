// SPDX-License-Identifier: Apache-2.0
package io.peercollab.rsocket;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.util.ResourceLeakDetector;

/**
 * Netty's leak detector, keeping each leak report where a test can read it instead of only logging it. Installed for
 * the whole test JVM by {@code -Dio.netty.customResourceLeakDetector} in the surefire configuration, so that it
 * exists before Netty creates its detectors.
 *
 * @param <T> the tracked resource type
 */
public final class LeakRecorder<T> extends ResourceLeakDetector<T> {

	/** Every leak reported so far in this JVM. Read it through {@link #leaks()} from other packages. */
	static final List<String> LEAKS = new CopyOnWriteArrayList<>();

	static volatile boolean installed;

	/** @return the leak reports recorded so far in this JVM */
	public static List<String> leaks() {
		return List.copyOf(LEAKS);
	}

	/**
	 * Leaks are reported when a leaked buffer was collected and a later allocation polls the detector's queue: collects
	 * garbage and allocates a few times, then returns what was reported.
	 *
	 * @return the leak reports recorded so far in this JVM
	 */
	public static List<String> collectLeaks() {
		for (int i = 0; i < 10; i++) {
			System.gc();
			System.runFinalization();
			for (int j = 0; j < 100; j++) {
				io.netty.buffer.ByteBufAllocator.DEFAULT.directBuffer(8).release();
				io.netty.buffer.ByteBufAllocator.DEFAULT.heapBuffer(8).release();
			}
		}
		return leaks();
	}

	/** @return whether Netty built its detectors from this class, as surefire's argLine asks */
	public static boolean isInstalled() {
		return installed;
	}

	/**
	 * Called by Netty's {@code ResourceLeakDetectorFactory}.
	 *
	 * @param resourceType the tracked type
	 * @param samplingInterval how often to sample below {@code PARANOID}
	 */
	public LeakRecorder(Class<?> resourceType, int samplingInterval) {
		super(resourceType, samplingInterval);
		installed = true;
	}

	/**
	 * The constructor Netty looks for first; without it, it logs an error before falling back to the other one.
	 *
	 * @param resourceType the tracked type
	 * @param samplingInterval how often to sample below {@code PARANOID}
	 * @param maxActive ignored, as Netty ignores it
	 */
	public LeakRecorder(Class<?> resourceType, int samplingInterval, long maxActive) {
		this(resourceType, samplingInterval);
	}

	@Override
	protected boolean needReport() {
		return true;
	}

	@Override
	protected void reportTracedLeak(String resourceType, String records) {
		LEAKS.add("LEAK: " + resourceType + records);
		super.reportTracedLeak(resourceType, records);
	}

	@Override
	protected void reportUntracedLeak(String resourceType) {
		LEAKS.add("LEAK (untraced): " + resourceType);
		super.reportUntracedLeak(resourceType);
	}
}

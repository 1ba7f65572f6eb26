// SPDX-License-Identifier: Apache-2.0
package io.peercollab;

/**
 * What a change event says happened to the item it carries. The items a state stream emits first, to describe the
 * current state, are {@link #ADDED}.
 */
public enum ChangeType {
	/** The item is new to the subscriber: it appeared, or it is part of the current state sent first. */
	ADDED,
	/** The item existed and changed; the event carries its new value. */
	UPDATED,
	/** The item is gone; the event carries its last value. */
	REMOVED
}

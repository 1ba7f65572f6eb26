// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.UUID;

import io.peercollab.ChangeType;
import io.peercollab.ObjectChange;
import io.peercollab.PeerEvent;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;
import io.peercollab.PresenceChange;
import io.peercollab.PresenceInfo;
import io.peercollab.PresenceStatus;
import org.junit.jupiter.api.Test;

/**
 * A slow subscriber's queue merged per item: what it then receives takes it from what it had seen to the latest
 * state, as a resume would.
 */
class SharedFollowsMergeTest {

	static PeerObject object(UUID id, String data) {
		return new PeerObject(id, data.getBytes(StandardCharsets.UTF_8), PeerScope.ALL);
	}

	@Test
	void mergedQueueHoldsOneEventPerItemThenSyncedAtTheLatestVersion() {
		UUID kept = UUID.randomUUID();
		UUID transient_ = UUID.randomUUID();
		UUID known = UUID.randomUUID();
		UUID back = UUID.randomUUID();
		ArrayDeque<PeerEvent> queue = new ArrayDeque<>(List.of(
				new PresenceChange(ChangeType.UPDATED, PresenceInfo.of(PresenceStatus.BUSY), 1),
				new ObjectChange(ChangeType.ADDED, object(kept, "a"), 2),
				new ObjectChange(ChangeType.ADDED, object(transient_, "t"), 3),
				new PeerEvent.Synced(3),
				new ObjectChange(ChangeType.UPDATED, object(kept, "b"), 4),
				new ObjectChange(ChangeType.REMOVED, object(transient_, "t"), 5),
				new ObjectChange(ChangeType.UPDATED, object(known, "k2"), 6),
				new ObjectChange(ChangeType.REMOVED, object(known, "k2"), 7),
				new ObjectChange(ChangeType.REMOVED, object(back, "x"), 8),
				new ObjectChange(ChangeType.ADDED, object(back, "y"), 9),
				new PresenceChange(ChangeType.REMOVED, PresenceInfo.of(PresenceStatus.BUSY), 9),
				new PresenceChange(ChangeType.ADDED, PresenceInfo.of(PresenceStatus.AWAY), 10)));

		SharedFollows.merge(queue);

		assertThat(List.copyOf(queue)).containsExactly(
				new PresenceChange(ChangeType.UPDATED, PresenceInfo.of(PresenceStatus.AWAY), 10),
				new ObjectChange(ChangeType.ADDED, object(kept, "b"), 4),
				new ObjectChange(ChangeType.REMOVED, object(known, "k2"), 7),
				new ObjectChange(ChangeType.UPDATED, object(back, "y"), 9),
				new PeerEvent.Synced(10));
	}
}

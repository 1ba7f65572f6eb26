// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import io.peercollab.CollaborationSession;
import io.peercollab.LaunchInfo;
import io.peercollab.PeerCollaboration;

/**
 * The small program the agent launches in {@link AgentProcessesTest}: its registered arguments are only the agent
 * directory and where to write what it learnt. It reads its launch information over the local channel, greets the
 * inviter in the invitation's session, waits for one message and writes everything to the result file.
 */
public final class LaunchedAppMain {

	private LaunchedAppMain() {
	}

	public static void main(String[] args) throws Exception {
		Path dir = Path.of(args[0]);
		Path result = Path.of(args[1]);
		PeerCollaboration collab = PeerCollabAgent.attach(AgentSettings.defaults().directory(dir))
				.block(Duration.ofSeconds(30));
		LaunchInfo info = collab.launchInfo().orElseThrow(() -> new IllegalStateException("no launch information"));
		CollaborationSession session = info.session().block(Duration.ofSeconds(30));
		session.send(("hello " + info.inviterNickname()).getBytes(StandardCharsets.UTF_8))
				.block(Duration.ofSeconds(30));
		String received = session.receive().next().block(Duration.ofSeconds(30)).text();
		String text = "inviter=" + info.inviter() + "\ninviterEndPoint="
				+ info.inviterEndPoint().map(e -> e.address().toString()).orElse("none")
				+ "\nmessage=" + info.message() + "\ndata="
				+ new String(info.data(), StandardCharsets.UTF_8) + "\napplication=" + info.application().id()
				+ "\nsession=" + session.id() + "\nreceived=" + received + "\ncurrent="
				+ collab.currentApplication().block(Duration.ofSeconds(30)).id() + "\n";
		Path tmp = result.resolveSibling(result.getFileName() + ".tmp");
		Files.writeString(tmp, text);
		Files.move(tmp, result, StandardCopyOption.ATOMIC_MOVE);
		collab.close().block(Duration.ofSeconds(10));
		System.exit(0);
	}
}

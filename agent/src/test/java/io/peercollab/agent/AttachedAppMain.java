// SPDX-License-Identifier: Apache-2.0
package io.peercollab.agent;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import io.peercollab.PeerCollaboration;
import io.peercollab.PeerObject;
import io.peercollab.PeerScope;

/**
 * An application in its own JVM for {@link AgentProcessesTest}: attaches to the agent of a directory (starting it
 * with the given agent options if none runs), then prints every sign-in change ({@code watch}), signs in to
 * {@code ALL} and detaches ({@code signin}), or publishes an object, prints {@code PUBLISHED <id>} and stays attached
 * until the agent goes or the process is killed ({@code publish}). Blocks, as a program's {@code main} may.
 */
public final class AttachedAppMain {

	private AttachedAppMain() {
	}

	public static void main(String[] args) {
		Path dir = Path.of(args[0]);
		String mode = args[1];
		List<String> agentArguments = Arrays.asList(args).subList(2, args.length);
		AgentSettings settings = AgentSettings.defaults().directory(dir).agentArguments(agentArguments)
				.startTimeout(Duration.ofSeconds(60));
		PeerCollaboration collab = PeerCollabAgent.attachOrStart(settings).block(Duration.ofSeconds(90));
		System.out.println("ATTACHED launch=" + collab.launchInfo().isPresent());
		if (mode.equals("watch")) {
			collab.signInChanges().doOnNext(scope -> System.out.println("SCOPE " + scope))
					.onErrorResume(e -> reactor.core.publisher.Mono.empty()).blockLast();
			System.out.println("AGENT GONE");
		}
		else if (mode.equals("publish")) {
			PeerObject object = new PeerObject(UUID.randomUUID(), "published".getBytes(StandardCharsets.UTF_8),
					PeerScope.ALL);
			collab.setObject(object).block(Duration.ofSeconds(30));
			System.out.println("PUBLISHED " + object.id());
			collab.signInChanges().onErrorResume(e -> reactor.core.publisher.Mono.empty()).blockLast();
		}
		else {
			collab.signIn(PeerScope.ALL).block(Duration.ofSeconds(30));
			System.out.println("SIGNED_IN");
			collab.close().block(Duration.ofSeconds(10));
		}
		System.exit(0);
	}
}

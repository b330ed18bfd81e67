package io.porthole.collector;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The running containers of this host, by id and by address. The Docker source keeps it current;
 * the tracer (labelled containers), the packet source (attributing flows by address) and the
 * remediation executor read it. Thread-safe.
 */
public final class ContainerDirectory {

  /** Told of every container that starts running and every one that stops. */
  public interface Listener {
    void started(ContainerInfo container);

    void stopped(String containerId);
  }

  private final Map<String, ContainerInfo> byId = new ConcurrentHashMap<>();
  private final Map<String, ContainerInfo> byAddress = new ConcurrentHashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  /** Containers that stopped, most recent last, at most {@link #STOPPED_REMEMBERED}. */
  private final Set<String> stopped =
      Collections.synchronizedSet(
          Collections.newSetFromMap(
              new LinkedHashMap<>() {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                  return size() > STOPPED_REMEMBERED;
                }
              }));

  /** How many stopped containers {@link #seen} remembers. */
  static final int STOPPED_REMEMBERED = 1024;

  /** Records a running container (again, after a restart or reconcile) and tells the listeners. */
  public void running(ContainerInfo container) {
    ContainerInfo previous = byId.put(container.id(), container);
    if (previous != null) {
      previous.addresses().forEach(a -> byAddress.remove(a, previous));
    }
    container.addresses().forEach(a -> byAddress.put(a, container));
    if (previous == null || previous.pid() != container.pid()) {
      listeners.forEach(l -> l.started(container));
    }
  }

  /** Forgets a container that stopped running and tells the listeners. */
  public void stopped(String containerId) {
    ContainerInfo previous = byId.remove(containerId);
    this.stopped.add(containerId);
    if (previous != null) {
      previous.addresses().forEach(a -> byAddress.remove(a, previous));
      listeners.forEach(l -> l.stopped(containerId));
    }
  }

  /** Whether this container runs here, or stopped here recently (the last 1024 that stopped). */
  public boolean seen(String containerId) {
    return byId.containsKey(containerId) || stopped.contains(containerId);
  }

  public Optional<ContainerInfo> byId(String containerId) {
    return Optional.ofNullable(byId.get(containerId));
  }

  /** The container with this id, or the one whose id starts with it, or whose name it is. */
  public Optional<ContainerInfo> find(String idPrefixOrName) {
    ContainerInfo exact = byId.get(idPrefixOrName);
    if (exact != null) {
      return Optional.of(exact);
    }
    return byId.values().stream()
        .filter(
            c ->
                c.name().equals(idPrefixOrName)
                    || (idPrefixOrName.length() >= 12 && c.id().startsWith(idPrefixOrName)))
        .findFirst();
  }

  public Optional<ContainerInfo> byAddress(String address) {
    return Optional.ofNullable(byAddress.get(address));
  }

  public Collection<ContainerInfo> all() {
    return List.copyOf(byId.values());
  }

  public void addListener(Listener listener) {
    listeners.add(listener);
  }

  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }
}

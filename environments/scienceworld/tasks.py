"""The 30 ScienceWorld tasks, by the names ScienceWorld's engine uses (pure data: registering
the ids must not start a JVM or import the engine)."""

TASKS: dict[str, str] = {
    "boil": "Matter: changes of state (boiling)",
    "melt": "Matter: changes of state (melting)",
    "freeze": "Matter: changes of state (freezing)",
    "change-the-state-of-matter-of": "Matter: changes of state (any)",
    "use-thermometer": "Measurement: use a thermometer",
    "measure-melting-point-known-substance": "Measurement: melting point (known substance)",
    "measure-melting-point-unknown-substance": "Measurement: melting point (unknown substance)",
    "power-component": "Electricity: create a circuit",
    "power-component-renewable-vs-nonrenewable-energy": "Electricity: renewable vs non-renewable energy",
    "test-conductivity": "Electricity: test conductivity (known)",
    "test-conductivity-of-unknown-substances": "Electricity: test conductivity (unknown)",
    "find-living-thing": "Classification: find a living thing",
    "find-non-living-thing": "Classification: find a non-living thing",
    "find-plant": "Classification: find a plant",
    "find-animal": "Classification: find an animal",
    "grow-plant": "Biology: grow a plant",
    "grow-fruit": "Biology: grow a fruit",
    "chemistry-mix": "Chemistry: mixing (generic)",
    "chemistry-mix-paint-secondary-color": "Chemistry: mixing paints (secondary colours)",
    "chemistry-mix-paint-tertiary-color": "Chemistry: mixing paints (tertiary colours)",
    "lifespan-longest-lived": "Biology: identify the longest-lived animal",
    "lifespan-shortest-lived": "Biology: identify the shortest-lived animal",
    "lifespan-longest-lived-then-shortest-lived": "Biology: longest- then shortest-lived animal",
    "identify-life-stages-1": "Biology: life stages (plant)",
    "identify-life-stages-2": "Biology: life stages (animal)",
    "inclined-plane-determine-angle": "Forces: inclined planes (determine the angle)",
    "inclined-plane-friction-named-surfaces": "Forces: friction (known surfaces)",
    "inclined-plane-friction-unnamed-surfaces": "Forces: friction (unknown surfaces)",
    "mendelian-genetics-known-plant": "Biology: Mendelian genetics (known plants)",
    "mendelian-genetics-unknown-plant": "Biology: Mendelian genetics (unknown plants)",
}
SIMPLIFICATIONS = ("easy", "teleportAction", "selfWateringFlowerPots", "openContainers", "openDoors", "noElectricalAction")
SPLITS = ("train", "dev", "test")

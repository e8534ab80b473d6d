/**
 * The compiler's output for one small policy, written down in full: how conditions become json-rules-engine
 * conditions (and/or flattened, `not`, one leaf wrapped in `all`, a table inlined as its values or keys, a lookup or
 * a sum as a derived fact), what `set` stores (literals as values, expressions as facts), the inputs, the custom
 * operators, the otherwise and the attributes. The golden files hold the shipped policies; this holds the forms
 * they happen not to use.
 */
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../dsl/index.js";
import { corpusHost } from "../../scripts/update-golden.js";

const text = `---
program: ice-tar
version: "9.0"
effective: 2005-01-01
end: 2006-12-31
title: t
requestSchema: request.schema.json
outcomes: [not-required, deny, pend, approve]
tables:
  covered: { values: [lab-basic, xray-chest-tb] }
  thresholds: { values: { lab-basic: 500, surgery: 900 } }
parameters:
  costThreshold: { value: 2500 }
---
let big = service.estimatedCost > costThreshold
rule r1
  when big and (emergency = true or urgency = "urgent") and not (facility.type in ["SPC", "CDF"])
  then deny
  code c1
  reason "Too costly"
  cite "s1"
  set note = "n", flag = true, n = 3, cost = service.estimatedCost, over = service.estimatedCost - costThreshold
rule r2
  when service.category in covered and service.estimatedCost <= thresholds[service.category] and diagnosis.code is missing
  then approve
  code c2
  cite "s2"
rule r3
  when service.category not in thresholds and emergency
  then set seen = true
rule r4 then pend code c4 cite "s4"
rule r5 when emergency = false then pend code c5 cite "s5"
rule r6 when urgency = "urgent" or emergency = true or big then pend code c6 cite "s6"
rule r7 when not big then pend code c7 cite "s7"
rule r8 when absent(service.code, diagnosis.code) contains "service.code" and count(absent(facility.id)) > 0 then pend code c8 cite "s8"
attribute priority = coalesce(urgency, "routine") when outcome != "deny"
attribute always = 1
otherwise pend code mcc reason "MCC" cite "s0"
`;

const want = {
  "format": "precept/compiled@1",
  "program": "ice-tar",
  "version": "9.0",
  "effective": "2005-01-01",
  "end": "2006-12-31",
  "title": "t",
  "outcomes": [
    "not-required",
    "deny",
    "pend",
    "approve"
  ],
  "combine": "precedence",
  "parameters": {
    "costThreshold": {
      "value": 2500
    }
  },
  "tables": {
    "covered": {
      "values": [
        "lab-basic",
        "xray-chest-tb"
      ]
    },
    "thresholds": {
      "values": {
        "lab-basic": 500,
        "surgery": 900
      }
    }
  },
  "facts": {
    "big": {
      "expr": {
        "op": "greaterThan",
        "args": [
          {
            "field": "service.estimatedCost"
          },
          {
            "param": "costThreshold"
          }
        ]
      }
    },
    "service.estimatedCost - costThreshold": {
      "expr": {
        "op": "-",
        "args": [
          {
            "field": "service.estimatedCost"
          },
          {
            "param": "costThreshold"
          }
        ]
      }
    },
    "thresholds[service.category]": {
      "expr": {
        "lookup": "thresholds",
        "key": {
          "field": "service.category"
        }
      }
    },
    "absent(service.code, diagnosis.code)": {
      "expr": {
        "absent": [
          "service.code",
          "diagnosis.code"
        ]
      }
    },
    "count(absent(facility.id))": {
      "expr": {
        "call": "count",
        "args": [
          {
            "absent": [
              "facility.id"
            ]
          }
        ]
      }
    }
  },
  "inputs": [
    "diagnosis.code",
    "emergency",
    "facility.id",
    "facility.type",
    "service.category",
    "service.code",
    "service.estimatedCost",
    "urgency"
  ],
  "rules": [
    {
      "name": "r1",
      "conditions": {
        "all": [
          {
            "name": "big",
            "fact": "big",
            "operator": "equal",
            "value": true
          },
          {
            "any": [
              {
                "name": "emergency = true",
                "fact": "emergency",
                "operator": "equal",
                "value": true
              },
              {
                "name": "urgency = \"urgent\"",
                "fact": "urgency",
                "operator": "equal",
                "value": "urgent"
              }
            ]
          },
          {
            "not": {
              "name": "facility.type in [\"SPC\", \"CDF\"]",
              "fact": "facility.type",
              "operator": "in",
              "value": [
                "SPC",
                "CDF"
              ]
            }
          }
        ]
      },
      "event": {
        "type": "deny",
        "params": {
          "rule": "r1",
          "code": "c1",
          "text": "Too costly",
          "citation": "s1",
          "line": 16,
          "set": {
            "note": "n",
            "flag": true,
            "n": 3,
            "cost": {
              "fact": "service.estimatedCost"
            },
            "over": {
              "fact": "service.estimatedCost - costThreshold"
            }
          }
        }
      }
    },
    {
      "name": "r2",
      "conditions": {
        "all": [
          {
            "name": "service.category in covered",
            "fact": "service.category",
            "operator": "in",
            "value": [
              "lab-basic",
              "xray-chest-tb"
            ]
          },
          {
            "name": "service.estimatedCost <= thresholds[service.category]",
            "fact": "service.estimatedCost",
            "operator": "lessThanInclusive",
            "value": {
              "fact": "thresholds[service.category]"
            }
          },
          {
            "name": "diagnosis.code is missing",
            "fact": "diagnosis.code",
            "operator": "present",
            "value": false
          }
        ]
      },
      "event": {
        "type": "approve",
        "params": {
          "rule": "r2",
          "code": "c2",
          "citation": "s2",
          "line": 23,
          "set": {}
        }
      }
    },
    {
      "name": "r3",
      "conditions": {
        "all": [
          {
            "name": "service.category not in thresholds",
            "fact": "service.category",
            "operator": "notIn",
            "value": [
              "lab-basic",
              "surgery"
            ]
          },
          {
            "name": "emergency",
            "fact": "emergency",
            "operator": "equal",
            "value": true
          }
        ]
      },
      "event": {
        "type": "attributes",
        "params": {
          "rule": "r3",
          "line": 28,
          "set": {
            "seen": true
          }
        }
      }
    },
    {
      "name": "r4",
      "conditions": {
        "all": []
      },
      "event": {
        "type": "pend",
        "params": {
          "rule": "r4",
          "code": "c4",
          "citation": "s4",
          "line": 31,
          "set": {}
        }
      }
    },
    {
      "name": "r5",
      "conditions": {
        "all": [
          {
            "name": "emergency = false",
            "fact": "emergency",
            "operator": "equal",
            "value": false
          }
        ]
      },
      "event": {
        "type": "pend",
        "params": {
          "rule": "r5",
          "code": "c5",
          "citation": "s5",
          "line": 32,
          "set": {}
        }
      }
    },
    {
      "name": "r6",
      "conditions": {
        "any": [
          {
            "name": "urgency = \"urgent\"",
            "fact": "urgency",
            "operator": "equal",
            "value": "urgent"
          },
          {
            "name": "emergency = true",
            "fact": "emergency",
            "operator": "equal",
            "value": true
          },
          {
            "name": "big",
            "fact": "big",
            "operator": "equal",
            "value": true
          }
        ]
      },
      "event": {
        "type": "pend",
        "params": {
          "rule": "r6",
          "code": "c6",
          "citation": "s6",
          "line": 33,
          "set": {}
        }
      }
    },
    {
      "name": "r7",
      "conditions": {
        "not": {
          "name": "big",
          "fact": "big",
          "operator": "equal",
          "value": true
        }
      },
      "event": {
        "type": "pend",
        "params": {
          "rule": "r7",
          "code": "c7",
          "citation": "s7",
          "line": 34,
          "set": {}
        }
      }
    },
    {
      "name": "r8",
      "conditions": {
        "all": [
          {
            "name": "absent(service.code, diagnosis.code) contains \"service.code\"",
            "fact": "absent(service.code, diagnosis.code)",
            "operator": "contains",
            "value": "service.code"
          },
          {
            "name": "count(absent(facility.id)) > 0",
            "fact": "count(absent(facility.id))",
            "operator": "greaterThan",
            "value": 0
          }
        ]
      },
      "event": {
        "type": "pend",
        "params": {
          "rule": "r8",
          "code": "c8",
          "citation": "s8",
          "line": 35,
          "set": {}
        }
      }
    }
  ],
  "otherwise": {
    "outcome": "pend",
    "code": "mcc",
    "text": "MCC",
    "citation": "s0",
    "line": 38
  },
  "attributes": [
    {
      "name": "priority",
      "expr": {
        "call": "coalesce",
        "args": [
          {
            "field": "urgency"
          },
          {
            "lit": "routine"
          }
        ]
      },
      "when": {
        "op": "notEqual",
        "args": [
          {
            "outcome": true
          },
          {
            "lit": "deny"
          }
        ]
      }
    },
    {
      "name": "always",
      "expr": {
        "lit": 1
      }
    }
  ],
  "operators": [
    "present"
  ]
};

describe("the compiler", () => {
  it("compiles every form to what the engines expect", () => {
    const { compiled, diagnostics } = compilePolicy(text, corpusHost);
    expect(diagnostics).toEqual([]);
    const { requestSchema, hash, ...rest } = compiled!;
    expect(rest).toEqual(want);
    expect(requestSchema).toEqual(corpusHost.requestSchema("ice-tar", "request.schema.json"));
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

"""Early, intermediate and late integration of two noisy event streams in a rate discrimination
task (MSIModels): stimulus generation, models, and psychometric evaluation."""
